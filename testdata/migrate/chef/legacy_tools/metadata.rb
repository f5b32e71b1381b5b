name 'legacy_tools'
version '0.0.7'
description 'Things converge cannot translate'
