"""dataflow-network-pack: an example node pack that uses every extension point of the SDK."""
