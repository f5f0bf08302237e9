"""Many broadcasts at once through NATS JetStream (issue 7, docs/scaling.md).

`livemon publish` puts events on the `LIVEMON` stream (one subject per room,
rooms spread over partitions by the server), `livemon worker` runs the one
engine per partition (monitor/worker.py), and `livemon watch nats://...`
reads the snapshots and alerts the workers publish.
"""
