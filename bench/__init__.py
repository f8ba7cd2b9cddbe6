"""`python -m bench`: CF Messenger side by side with a raw `websockets`
server (B0) and the Channels tutorial stack (B1). See docs/PERFORMANCE.md."""
