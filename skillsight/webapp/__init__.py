"""The trainee's app behind `python app.py`: view models, plots, reports, the live frame handler and
the Gradio layout. Only `layout` imports Gradio; everything else is plain Python that tests drive
without a browser.
"""
