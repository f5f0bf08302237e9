"""What a livemon feed server and its clients say besides the events (docs/feed-protocol.md)."""

#: Close reason (with code 1000) of a server whose feed has ended.
END_OF_STREAM = "end of stream"

#: Handshake headers of the resume point.
RESUME = "Livemon-Resume"  # request: "new", or "<run>:<last sequence received>"
RUN = "Livemon-Run"  # response: this server run's id
NEXT = "Livemon-Next"  # response: the sequence of the first message this connection gets
LOST_MESSAGES = "Livemon-Lost-Messages"  # response: messages after the client's last that are gone
LOST_EVENTS = "Livemon-Lost-Events"  # response: the events in them
