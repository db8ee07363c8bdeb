"""The course's content and map: the page registry, the quiz bank, the glossary and the
level guides, each loaded from assets/ and validated on load. Pure python."""
