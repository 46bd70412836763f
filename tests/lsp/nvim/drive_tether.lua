-- Drive tether from headless Neovim 0.11 with its built-in LSP client: start the server,
-- request completion, run tether.editSelection and tether.acceptAll through
-- workspace/executeCommand, and record what the buffer holds. Writes JSON to $TETHER_NVIM_OUT.
local root = assert(os.getenv("TETHER_NVIM_ROOT"))
local out = assert(os.getenv("TETHER_NVIM_OUT"))
local python = assert(os.getenv("TETHER_NVIM_PYTHON"))
local TIMEOUT = 120000
local report = { errors = {} }

local function finish(code)
  local fh = assert(io.open(out, "w"))
  fh:write(vim.json.encode(report))
  fh:close()
  os.exit(code)
end

local function step(name, fn)
  local ok, err = pcall(fn)
  if not ok then
    table.insert(report.errors, name .. ": " .. tostring(err))
    finish(1)
  end
end

local function request(client, method, params, bufnr)
  local response, err = client:request_sync(method, params, TIMEOUT, bufnr)
  assert(response, method .. " got no response: " .. tostring(err))
  assert(not response.err, method .. " failed: " .. vim.inspect(response.err))
  return response.result
end

local client, calc, square
step("start", function()
  vim.cmd.edit(root .. "/calc.py")
  calc = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start({
    name = "tether",
    cmd = { python, "-m", "tether", "serve" },
    root_dir = root,
    init_options = { complete = { maxTokens = 8 }, edit = { maxTokens = 64, speculative = false } },
  })
  assert(id, "vim.lsp.start returned no client")
  client = vim.lsp.get_client_by_id(id)
  assert(vim.wait(TIMEOUT, function() return client.initialized end, 20), "the server never initialized")
  report.commands = client.server_capabilities.executeCommandProvider.commands
  vim.cmd.edit(root .. "/square.py")
  square = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(square, id)
end)

step("completion", function()
  local params = { textDocument = { uri = vim.uri_from_bufnr(square) }, position = { line = 5, character = 11 } }
  local result = request(client, "textDocument/completion", params, square)
  local items = result.items or result
  assert(#items == 1, "expected one completion item, got " .. #items)
  report.completion = items[1].insertText
  vim.lsp.util.apply_text_edits({ items[1].textEdit }, square, client.offset_encoding)
  report.square = vim.api.nvim_buf_get_lines(square, 0, -1, false)
end)

step("editSelection", function()
  local range = { start = { line = 0, character = 0 }, ["end"] = { line = 2, character = 0 } }
  local argument = { uri = vim.uri_from_bufnr(calc), range = range, instruction = "Add a docstring." }
  local proposal = request(client, "workspace/executeCommand", { command = "tether.editSelection", arguments = { argument } }, calc)
  report.proposal_id = proposal.id
  assert(#proposal.files == 1, "the model proposed no change")
  report.hunks = #proposal.files[1].hunks
  report.new_text = proposal.files[1].newText
end)

step("acceptAll", function()
  local before = vim.api.nvim_buf_get_lines(calc, 0, -1, false)
  local result = request(client, "workspace/executeCommand", { command = "tether.acceptAll", arguments = { vim.empty_dict() } }, calc)
  report.applied = result.applied
  report.status = result.proposal.status
  assert(vim.wait(10000, function()
    return not vim.deep_equal(before, vim.api.nvim_buf_get_lines(calc, 0, -1, false))
  end, 20), "the buffer did not change")
  report.calc = vim.api.nvim_buf_get_lines(calc, 0, -1, false)
  report.modified = vim.bo[calc].modified
end)

step("stop", function()
  client:stop()
  assert(vim.wait(30000, function() return client:is_stopped() end, 20), "the server did not stop")
end)
finish(0)
