"""Measure the performance targets of DESIGN.md as ratios against peers timed in the same run.

`make bench` (or `python -m bench`) builds real tagged audio in a temporary folder, starts
daphne, moto's S3 server and a static file server as child processes, measures, prints a
table and writes bench/results/latest.json and latest.md. Nothing outside the temporary
folder is touched: the servers run on their own SQLite file and media folder.
"""
