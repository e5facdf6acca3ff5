"""Sources turn one kind of input into an Inventory."""
