"""Regenerate the bad-file corpus (deterministic): ``python tests/data/bad/build_bad_files.py``.

Each file is one class of broken input a planner may hand to a loader:
empty, blank, binary, mis-encoded, ragged, truncated or plain garbage.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(16)
    garbage = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    header = struct.pack(">I", 14) + b"\x0a\x09OSMHeader\x18"  # BlobHeader cut short
    files = {
        "empty.csv": b"",
        "blank.csv": b"\n\n  \n",
        "binary.csv": b"\x00\x01\x02" + garbage,
        "zip_as.csv": b"PK\x03\x04" + garbage[:512],
        "latin1.csv": "service;nimi\nprimary_care;Jyväskylä\n".encode("latin-1"),
        "ragged.csv": b"a,b,c\n1,2,3\n4,5,6,7,8\n",
        "empty.osm.pbf": b"",
        "garbage.osm.pbf": garbage,
        "truncated.osm.pbf": header,
        "latin1.yaml": "name: x\ndescription: Jyväskylä\n".encode("latin-1"),
        "garbage.yaml": b"name: [unclosed\n  - : :\n\t\x07",
        "empty.geojson": b"",
        "garbage.gpkg": garbage,
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
