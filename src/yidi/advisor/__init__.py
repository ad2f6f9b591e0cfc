"""The advisor (异地就医助手): from a person's situation to steps, papers, deadlines and money."""
