"""HTTP servers that ship with archer-gym (started with ``archer-gym serve ...``)."""
