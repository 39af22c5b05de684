from acrtui.cli import main

main()
