from gc_bot.cli import main

main()
