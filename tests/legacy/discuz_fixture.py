"""A throwaway Discuz! X portal in MariaDB/MySQL for the import tests (127.0.0.1:3306, root)."""

import os

import pymysql

from news.legacy import discuz_schema

SERVER = {"host": "127.0.0.1", "port": 3306, "user": "root", "password": ""}
insert = discuz_schema.insert


def server(**extra):
    return pymysql.connect(**SERVER, charset="utf8mb4", connect_timeout=3, autocommit=True, **extra)


def database_name(label="test"):
    return f"yzgz_discuz_{label}_{os.getpid()}"


def create_database(name, prefix="pre_", tables=None):
    """An empty utf8mb4 database holding the Discuz tables (all, or those named)."""
    with server() as conn:
        discuz_schema.create_database(conn, name, prefix, tables)


def drop_database(name):
    with server() as conn:
        discuz_schema.drop_database(conn, name)
