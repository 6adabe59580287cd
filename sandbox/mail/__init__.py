"""The sandbox mail server: SMTP in, IMAP out, on loopback (see ``addresses`` for who has a
mailbox)."""
