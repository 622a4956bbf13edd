"""Access: accounts from QA_AUTH and the throttle on wrong passwords, for the page and the APIs.
May import the basics only; every surface of app may import it."""
