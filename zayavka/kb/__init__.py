"""The knowledge base (R30): articles in Russian and English, their categories, history,
files and readers' feedback. The portal shows them at /kb/, the workspace edits them."""
