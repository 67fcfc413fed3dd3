"""The seller's home: to-dos, business insights and the daily rollups they read.

The roof of sellercenter: it may import every app."""
