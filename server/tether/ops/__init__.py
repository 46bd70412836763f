"""Operations, one per level of the slider. They know nothing about LSP or the CLI."""
