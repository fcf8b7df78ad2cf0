"""收藏, 最近浏览 and 消息."""

from django.urls import path

from news.engagement import views

app_name = "engagement"
urlpatterns = [
    path("article/<id:pk>/favourite/", views.favourite, name="favourite"),
    path("accounts/favourites/", views.FavouritesView.as_view(), name="favourites"),
    path("accounts/history/", views.HistoryView.as_view(), name="history"),
    path("accounts/history/clear/", views.history_clear, name="history-clear"),
    path("accounts/notifications/", views.NotificationsView.as_view(), name="notifications"),
    path("accounts/notifications/read/", views.notifications_read, name="notifications-read"),
    path("accounts/notifications/settings/", views.notification_settings, name="notification-settings"),
    path("accounts/notifications/<id:pk>/", views.notification_open, name="notification-open"),
]
