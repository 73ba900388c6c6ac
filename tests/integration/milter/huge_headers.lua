-- 2000 header fields (200 KB of header, under milter.max_header_fields,
-- which the test sets to 2500, and general.max_message_size, 256k) and a 40-line folded one: accepted, the
-- verdict on top; then 2501 fields: 552 5.3.4 at the end of the header.
-- (miltertest cannot send a field value past about 1000 bytes; the 60 KB
-- field is test_miltertest.sh's own client's, the 1 MiB one Postfix's in
-- test_milter.sh.)
dofile(DIR .. "/common.lua")
local conn = open_conn()
envelope(conn, "HUGEHDR1")
local fields = standard_fields("huge headers")
local folded = { " start" }
for i = 1, 40 do
	folded[#folded + 1] = "\n\tline " .. i
end
table.insert(fields, { "X-Folded", table.concat(folded) })
for i = 1, 2000 - #fields do
	table.insert(fields, { "X-Field-" .. i, " " .. string.rep("v", 100) })
end
header_block(conn, fields)
step(mt.bodystring(conn, "body\r\n"), "body")
step(mt.eom(conn), "end of message")
expect_reply(conn, SMFIR_ACCEPT, "2000 fields")
if not mt.eom_check(conn, MT_HDRINSERT, "X-Sluice-Verdict", " clean") then
	fail("2000 fields: no verdict")
end

envelope(conn, "HUGEHDR2")
for i = 1, 2501 do
	step(mt.header(conn, "X-Field-" .. i, " value"), "header")
end
step(mt.eoh(conn), "end of header")
-- the code (552 5.3.4) is in sluiced's log: miltertest checks codes at the end of message only
expect_reply(conn, SMFIR_REPLYCODE, "2501 fields")
mt.disconnect(conn)
