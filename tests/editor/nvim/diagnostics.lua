-- Neovim (0.7 or newer) as an editor of a spec: starts `hybridc lsp` on the file $SPEC with the
-- built-in LSP client, waits for its diagnostics, writes them to $OUT as JSON, stops the
-- server and quits. tests/it/lsp.rs runs it with `nvim --headless`; $HYBRIDC is the binary.
-- `vim.lsp.start_client` and `buf_attach_client` are what 0.7 has (`vim.lsp.start` is 0.8+).
local spec = os.getenv('SPEC')
local out = os.getenv('OUT')

local function finish(result)
  local file = assert(io.open(out, 'w'))
  file:write(vim.fn.json_encode(result))
  file:close()
  vim.cmd('qall!')
end

vim.cmd('edit ' .. vim.fn.fnameescape(spec))
local buffer = vim.api.nvim_get_current_buf()
local client = vim.lsp.start_client({
  name = 'hybridc',
  cmd = { os.getenv('HYBRIDC'), 'lsp' },
  root_dir = vim.fn.fnamemodify(spec, ':p:h:h'),
})
if client == nil then
  finish({ error = 'the client did not start' })
  return
end
vim.lsp.buf_attach_client(buffer, client)

local published = vim.wait(20000, function()
  return #vim.diagnostic.get(buffer) > 0
end, 20)
local diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buffer)) do
  table.insert(diagnostics, {
    line = d.lnum,
    column = d.col,
    code = d.code,
    severity = d.severity,
    source = d.source,
    message = d.message,
  })
end
table.sort(diagnostics, function(a, b)
  return a.line < b.line or (a.line == b.line and a.column < b.column)
end)

vim.lsp.stop_client(client)
local stopped = vim.wait(10000, function()
  return vim.lsp.client_is_stopped(client)
end, 20)
finish({ published = published, stopped = stopped, diagnostics = diagnostics })
