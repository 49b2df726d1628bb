from tokcost.cli import main

raise SystemExit(main())
