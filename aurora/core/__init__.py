"""Pure code: signing, encoding, XML, models, part planning. No I/O, no clock."""
