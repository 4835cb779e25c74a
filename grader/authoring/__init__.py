"""What an assignment's author runs: `grade new` (scaffold), `grade validate`'s self-test (selftest),
`grade key` (key), `grade template` (blank), `grade sheet` (sheet, and sheet_roster for a whole roster)
and `grade variants freeze` (variants_freeze). cli.py routes the commands here."""
