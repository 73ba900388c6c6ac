-- A client that goes away in the middle of the body (the MTA drops the
-- milter connection without an abort): nothing left in flight; a new
-- connection is served.
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "DISCONNECT")
header_block(conn, standard_fields("gone mid body"))
step(mt.bodystring(conn, string.rep("half of a long body\r\n", 2000)), "body")
mt.disconnect(conn, false)
mt.sleep(0.2)
conn = open_conn()
clean_message(conn, "AFTERDISC", "after a disconnect")
mt.disconnect(conn)
