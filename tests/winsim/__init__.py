"""winsim: a test double of Windows hosts that speaks WS-Management (WinRM).

See tests/winsim/DESIGN.md for how it is put together and how to extend it.
"""
