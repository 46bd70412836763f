/**
 * The tether language server's life: start, restart, stop, and requests to it.
 *
 * Starting never throws: it returns a ServerState, and an error state comes with a "Show Logs"
 * action. Starts and restarts are serialized so two quick config changes cannot race two
 * servers. Settings are sent as initializationOptions and workspace/didChangeConfiguration.
 */

import * as fs from 'fs';
import * as os from 'os';
import * as vscode from 'vscode';
import {
  CancellationToken,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
  State,
  WorkDoneProgress,
  WorkDoneProgressBegin,
  WorkDoneProgressEnd,
  WorkDoneProgressReport,
} from 'vscode-languageclient/node';

import { Methods, Proposal, ProposalSummary, describeError, withoutOwned } from './protocol';

/** tether/proposalsChanged params: the open proposals, and (after a didChange) the proposals whose hunks moved. */
export interface ProposalsChangedParams {
  proposals: ProposalSummary[];
  relocated?: Proposal[];
}
import { SECTION, explicitLookup, resolveServerCommand, serverSettings, ServerCommand } from './settings';
import type { ServerState } from './statusModel';

/** How long `initialize` may take before the start is reported as failed. */
const START_TIMEOUT_MS = 60_000;

export class TetherServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private current: ServerState = { kind: 'stopped' };
  private readonly stateEmitter = new vscode.EventEmitter<ServerState>();
  private readonly proposalsEmitter = new vscode.EventEmitter<ProposalsChangedParams>();

  /** Fires on every state change. */
  readonly onDidChangeState = this.stateEmitter.event;
  /** The server's tether/proposalsChanged notification. */
  readonly onProposalsChanged = this.proposalsEmitter.event;

  /**
   * @param settingKeys keys under `tether.` declared in package.json
   * @param ownedCommands command ids this extension registers itself (the server advertises
   *   some of the same ids through executeCommandProvider; the client must not register them)
   */
  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly settingKeys: string[],
    private readonly ownedCommands: ReadonlySet<string>,
  ) {}

  get state(): ServerState {
    return this.current;
  }

  start(): Promise<ServerState> {
    return this.serialize(() => this.doStart());
  }

  restart(): Promise<ServerState> {
    return this.serialize(async () => {
      await this.doStop();
      return this.doStart();
    });
  }

  stop(): Promise<ServerState> {
    return this.serialize(async () => {
      await this.doStop();
      return this.current;
    });
  }

  /**
   * Follow `$/progress` on a work-done token this client chose (passed as `workDoneToken`):
   * `report` gets each begin/report message. Dispose when the request is done.
   */
  onProgress(token: string, report: (message: string) => void): vscode.Disposable {
    const client = this.client;
    if (!client) {
      return new vscode.Disposable(() => undefined);
    }
    const disposable = client.onProgress(WorkDoneProgress.type, token, (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => {
      const message = value.kind === 'begin' ? value.message ?? value.title : value.message;
      if (message) {
        report(message);
      }
    });
    return new vscode.Disposable(() => disposable.dispose());
  }

  /** Send a request; rejects with a user-facing sentence when the server is not running. */
  async request<R>(method: string, params: unknown, token?: CancellationToken): Promise<R> {
    const client = this.client;
    if (!client || this.current.kind !== 'running') {
      throw new Error('The tether server is not running. Run "tether: Restart Server" or check the logs.');
    }
    return token ? client.sendRequest<R>(method, params, token) : client.sendRequest<R>(method, params);
  }

  /** workspace/executeCommand with the single-object argument the server expects. */
  executeCommand<R>(command: string, args: unknown, token?: CancellationToken): Promise<R> {
    return this.request<R>('workspace/executeCommand', { command, arguments: [args] }, token);
  }

  /** Re-send the explicitly set settings (workspace/didChangeConfiguration). */
  async sendSettings(): Promise<void> {
    if (this.client && this.current.kind === 'running') {
      await this.client.sendNotification('workspace/didChangeConfiguration', {
        settings: { [SECTION]: this.settings() },
      });
    }
  }

  showLogs(): void {
    this.output.show(true);
  }

  dispose(): void {
    void this.stop();
    this.stateEmitter.dispose();
    this.proposalsEmitter.dispose();
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const next = this.chain.then(op, op);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private setState(state: ServerState): ServerState {
    this.current = state;
    this.stateEmitter.fire(state);
    return state;
  }

  private settings(): Record<string, unknown> {
    return serverSettings(this.settingKeys, explicitLookup(vscode.workspace.getConfiguration(SECTION)));
  }

  private command(): { command: ServerCommand; cwd: string | undefined } {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const setting = vscode.workspace.getConfiguration(SECTION).get<unknown>('serverCommand');
    const command = resolveServerCommand(setting, {
      workspaceFolder: folder,
      exists: (file) => fs.existsSync(file),
      platform: process.platform,
      home: os.homedir(),
    });
    return { command, cwd: folder };
  }

  private async doStart(): Promise<ServerState> {
    if (this.client && this.current.kind === 'running') {
      return this.current;
    }
    const { command, cwd } = this.command();
    const line = [command.command, ...command.args].join(' ');
    this.output.info(`starting: ${line}${cwd ? ` (in ${cwd})` : ''}`);
    this.setState({ kind: 'starting' });
    const client = this.createClient(command, cwd);
    try {
      await withTimeout(client.start(), START_TIMEOUT_MS, 'the server did not answer initialize in 60 s');
    } catch (err) {
      await client.dispose().catch(() => undefined);
      return this.fail(
        `Could not start the tether server with "${line}" (${describeError(err).replace(/\.$/, '')}). ` +
          'Set tether.serverCommand to your tether executable, or install tether in the workspace .venv.',
      );
    }
    this.client = client;
    client.onDidChangeState((event) => {
      if (event.newState === State.Stopped && this.client === client) {
        this.client = undefined;
        this.fail('The tether server stopped unexpectedly. Restart it with "tether: Restart Server".');
      }
    });
    return this.setState({ kind: 'running' });
  }

  private createClient(command: ServerCommand, cwd: string | undefined): LanguageClient {
    const serverOptions: ServerOptions = {
      command: command.command,
      args: command.args,
      options: { cwd, env: { ...process.env, PYTHONUNBUFFERED: '1' } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
      initializationOptions: this.settings(),
      outputChannel: this.output,
      initializationFailedHandler: () => false,
      middleware: {
        // Ghost text comes from inlineCompletion; a model-backed suggest list on every
        // keystroke would only compete with it for the model.
        provideCompletionItem: () => undefined,
      },
    };
    const client = new LanguageClient('tether', 'tether', serverOptions, clientOptions);
    // Inline completion (LSP 3.18) is built in from vscode-languageclient 10; older clients
    // only have it among the proposed features.
    client.registerProposedFeatures();
    skipOwnedCommands(client, this.ownedCommands);
    client.onNotification(Methods.proposalsChanged, (params: Partial<ProposalsChangedParams> | undefined) =>
      this.proposalsEmitter.fire({ proposals: params?.proposals ?? [], relocated: params?.relocated ?? undefined }),
    );
    return client;
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      await client.stop(5_000).catch((err) => this.output.warn(`stop: ${describeError(err)}`));
    }
    this.setState({ kind: 'stopped' });
  }

  private fail(message: string): ServerState {
    this.output.error(message);
    void vscode.window.showErrorMessage(message, 'Show Logs').then((pick) => {
      if (pick) {
        this.showLogs();
      }
    });
    return this.setState({ kind: 'error', message });
  }
}

/**
 * The server lists its commands in executeCommandProvider, and vscode-languageclient registers
 * a VS Code command for each; those this extension owns (they ask for an instruction first)
 * would collide, so the client's registration skips them.
 */
function skipOwnedCommands(client: LanguageClient, owned: ReadonlySet<string>): void {
  const feature = client.getFeature('workspace/executeCommand') as unknown as {
    register(data: { id: string; registerOptions: { commands?: string[] } }): void;
  };
  const register = feature.register.bind(feature);
  feature.register = (data) =>
    register({ ...data, registerOptions: { ...data.registerOptions, commands: withoutOwned(data.registerOptions.commands, owned) } });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
