-- Helpers for the miltertest scripts beside this file (each does
-- dofile(DIR .. "/common.lua")). MILTER is sluiced's socket and DIR this
-- folder, both given with -D by test_miltertest.sh. miltertest says nothing
-- about a failed step unless told: every step is checked here, and a
-- failure is echoed before it stops the script (exit status 1).

function fail(msg)
	mt.echo("FAIL: " .. msg)
	error(msg)
end

-- A step that returns nil on success.
function step(r, what)
	if r ~= nil then
		fail(what .. ": " .. tostring(r))
	end
end

function expect_reply(conn, want, what)
	local got = mt.getreply(conn)
	if got ~= want then
		fail(what .. ": reply " .. tostring(got) .. " (" .. string.char(got) .. "), expected " ..
		     string.char(want))
	end
end

function open_conn(ip)
	local conn = mt.connect(MILTER, 40, 0.25)
	if conn == nil then
		fail("cannot connect to " .. MILTER)
	end
	step(mt.negotiate(conn, nil, nil, nil), "negotiate")
	if not mt.test_option(conn, SMFIP_HDR_LEADSPC) then
		fail("sluiced did not ask for the blanks after header colons (SMFIP_HDR_LEADSPC)")
	end
	step(mt.conninfo(conn, "client.example.net", ip or "192.0.2.7"), "conninfo")
	return conn
end

-- MAIL FROM (with the queue id macro) and RCPT TO for each of rcpts.
function envelope(conn, qid, rcpts)
	mt.macro(conn, SMFIC_MAIL, "i", qid)
	step(mt.mailfrom(conn, "<customer@example.net>"), "MAIL FROM")
	expect_reply(conn, SMFIR_CONTINUE, "MAIL FROM")
	for _, r in ipairs(rcpts or { "agent@contact-center.example" }) do
		step(mt.rcptto(conn, "<" .. r .. ">"), "RCPT TO " .. r)
	end
end

-- Header fields as {name, value} pairs (values as the MTA sends them:
-- the blanks after the colon included), then the end of the header.
function header_block(conn, fields)
	for _, f in ipairs(fields) do
		step(mt.header(conn, f[1], f[2]), "header " .. f[1])
	end
	step(mt.eoh(conn), "end of header")
end

function standard_fields(subject)
	return {
		{ "From", " Anna Nowak <anna@example.net>" },
		{ "To", " agent@contact-center.example" },
		{ "Subject", " " .. subject },
		{ "Date", " Tue, 02 Jan 2024 10:00:00 +0100" },
		{ "Message-ID", " <" .. subject:gsub("%W", "") .. "@example.net>" },
	}
end

-- A clean message end to end on conn: accepted, the verdict on top.
function clean_message(conn, qid, subject)
	envelope(conn, qid)
	header_block(conn, standard_fields(subject))
	step(mt.bodystring(conn, "Hello,\r\nplease call me back.\r\n"), "body")
	step(mt.eom(conn), "end of message")
	expect_reply(conn, SMFIR_ACCEPT, "end of message (" .. subject .. ")")
	if not mt.eom_check(conn, MT_HDRINSERT, "X-Sluice-Verdict", " clean") then
		fail(subject .. ": no X-Sluice-Verdict: clean")
	end
	if mt.eom_check(conn, MT_BODYCHANGE) then
		fail(subject .. ": the body of a clean message was replaced")
	end
end

EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
