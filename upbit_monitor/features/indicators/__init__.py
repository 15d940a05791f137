"""Server-computed indicators (Upbit's ``/websocket/v1/info``) for chart studies, Qt-free."""
