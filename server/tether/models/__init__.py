"""Model files: pull from the Hugging Face hub, discover GGUFs on the machine, presets per role."""
