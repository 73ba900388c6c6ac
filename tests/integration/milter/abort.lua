-- A message aborted half way (RSET, or the client gave up), then another on
-- the same connection: the first leaves nothing behind, the second passes.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "ABORT1")
header_block(conn, standard_fields("aborted"))
step(mt.bodystring(conn, "half a body\r\n"), "body")
step(mt.abort(conn), "abort")
clean_message(conn, "ABORT2", "after the abort")
-- aborted before the header, too
envelope(conn, "ABORT3")
step(mt.abort(conn), "abort before the header")
clean_message(conn, "ABORT4", "after the second abort")
mt.disconnect(conn)
