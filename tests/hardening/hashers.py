"""A fast password hasher that counts its calls: proves the lockout check comes first."""

from django.contrib.auth.hashers import MD5PasswordHasher

CALLS = {"encode": 0, "verify": 0}


class CountingHasher(MD5PasswordHasher):
    algorithm = "counting_md5"

    def encode(self, password, salt):
        CALLS["encode"] += 1
        return super().encode(password, salt)

    def verify(self, password, encoded):
        CALLS["verify"] += 1
        return super().verify(password, encoded)


def reset():
    CALLS["encode"] = CALLS["verify"] = 0


def total():
    return CALLS["encode"] + CALLS["verify"]
