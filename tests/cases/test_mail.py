"""E-mail: kept in the outbox without MAIL_SERVER; sent over SMTP with it (to a tiny SMTP
peer on loopback, standing in for the mail relay)."""
from __future__ import annotations

import socketserver
import threading

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.notifications import notify
from portal.notifications.models import OutboxEmail


class _SMTPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(b"220 test ESMTP\r\n")
        data = False
        while line := self.rfile.readline():
            if data:
                if line == b".\r\n":
                    data = False
                    self.wfile.write(b"250 OK\r\n")
                else:
                    self.server.messages[-1] += line
                continue
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                self.wfile.write(b"250 test\r\n")
            elif verb == b"DATA":
                self.server.messages.append(b"")
                data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_without_a_mail_server_e_mail_waits_in_the_outbox(app, world):
    notify.notify_users([world.user("ewo")], "A referral needs triage", "/referrals/1")
    db.session.commit()
    assert notify.send_outbox() == 0
    mail = db.session.scalar(select(OutboxEmail))
    assert mail.to == world.user("ewo").email and mail.sent_at is None


def test_with_a_mail_server_e_mail_is_sent(app, world, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_server.server_address[1])
    notify.notify_users([world.user("ewo")], "A referral needs triage", "/referrals/1")
    db.session.commit()
    assert notify.send_outbox() == 1
    assert db.session.scalar(select(OutboxEmail)).sent_at is not None
    [message] = smtp_server.messages
    assert b"A referral needs triage" in message and b"/referrals/1" in message


def test_outbox_page_is_for_la_admins(client, world):
    notify.notify_users([world.user("ewo")], "A referral needs triage", "/referrals/1")
    db.session.commit()
    client.login(world.user("la_admin"))
    assert "A referral needs triage" in client.get("/outbox").get_data(as_text=True)
