from mux.cli import main

raise SystemExit(main())
