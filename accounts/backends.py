"""Log in by mobile number and SMS code (短信验证码登录).

It stands after django-axes' backend in ``AUTHENTICATION_BACKENDS``, so every attempt is counted
by the site's one login throttle (accounts.throttle) before the code is looked at; the code's own
limit (accounts.phone.MAX_TRIES) burns it after five wrong tries.
"""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from accounts.phone import check_code


class PhoneCodeBackend(ModelBackend):
    def authenticate(self, request, phone=None, sms_code=None, **kwargs):
        if phone is None or sms_code is None:
            return None
        user = User.objects.filter(phone=str(phone)).first()
        if user is None or not self.user_can_authenticate(user):
            return None
        if not check_code(phone=phone, purpose="login", code=sms_code):
            return None
        return user
