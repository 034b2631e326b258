from sambert_edge.cli import main

raise SystemExit(main())
