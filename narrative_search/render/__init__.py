"""Every text the CLI prints and the app shows, worded once.

* :mod:`~narrative_search.render.text`: plain text (search results,
  timelines, summaries, ingest outcomes, index notes, "no results" wording);
* :mod:`~narrative_search.render.markdown`: Markdown (the revisit brief) and
  the escaping of text that Streamlit shows as Markdown;
* :mod:`~narrative_search.render.csv`: the revisit brief as CSV rows.

The app's HTML is built in :mod:`narrative_search.app_views` from the same
wording. Renderers only read library records: they decide nothing.
"""
