print("mcest")
