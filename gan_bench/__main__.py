from gan_bench.cli import main

raise SystemExit(main())
