"""The only code that writes the knowledge base's tables: articles and their versions
(`articles`), files (`files`), readers' views and feedback (`readers`), and articles
loaded from Markdown files (`importing`)."""
