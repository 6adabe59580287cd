"""The sandbox mail server: SMTP in, IMAP out, on loopback (see ``addresses`` for who has a
mailbox, ``accounts`` for their logins, docs/mail.md for the whole picture).

``server.MailServer`` runs it (``app.create_app`` as a sandbox target);
``server.mailbox_listing(mail_dir)`` lists every mailbox's messages (ground truth).
"""
