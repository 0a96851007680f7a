"""The Streamlit side of the app: navigation, sidebar, cached loaders and the shared page frame.

Only this package and the page files import Streamlit; the indicators package stays UI-free.
"""
