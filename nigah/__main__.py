from nigah.cli import main

main()
