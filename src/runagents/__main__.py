from runagents.cli import main

main()
