"""The Discuz! X portal tables an importer reads, as MySQL DDL (columns of the X3.4 schema).

Used by the import tests and ``bench_import_discuz`` to build a throwaway old portal; the
importer itself only reads (``news.legacy.discuz``).
"""

_MEMBER_COLUMNS = """email varchar(255) NOT NULL DEFAULT '',
        username char(15) NOT NULL DEFAULT '', password char(32) NOT NULL DEFAULT '',
        status tinyint(1) NOT NULL DEFAULT 0, emailstatus tinyint(1) NOT NULL DEFAULT 0,
        avatarstatus tinyint(1) NOT NULL DEFAULT 0, adminid tinyint(1) NOT NULL DEFAULT 0,
        groupid smallint unsigned NOT NULL DEFAULT 0, groupexpiry int unsigned NOT NULL DEFAULT 0,
        regdate int unsigned NOT NULL DEFAULT 0, UNIQUE KEY username (username)"""

TABLES = {
    "portal_category": """
        catid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
        upid mediumint unsigned NOT NULL DEFAULT 0, catname varchar(255) NOT NULL DEFAULT '',
        articles mediumint unsigned NOT NULL DEFAULT 0, allowcomment tinyint(1) NOT NULL DEFAULT 1,
        displayorder smallint NOT NULL DEFAULT 0, domain varchar(255) NOT NULL DEFAULT '',
        url varchar(255) NOT NULL DEFAULT '', foldername varchar(255) NOT NULL DEFAULT '',
        uid mediumint unsigned NOT NULL DEFAULT 0, username varchar(255) NOT NULL DEFAULT '',
        dateline int unsigned NOT NULL DEFAULT 0, closed tinyint(1) NOT NULL DEFAULT 0,
        shownav tinyint(1) NOT NULL DEFAULT 0, disallowpublish tinyint(1) NOT NULL DEFAULT 0,
        description text NOT NULL, seotitle text NOT NULL, keyword text NOT NULL,
        primaltplname varchar(255) NOT NULL DEFAULT '', articleprimaltplname varchar(255) NOT NULL DEFAULT '',
        notshowarticlesummay varchar(255) NOT NULL DEFAULT '', perpage smallint NOT NULL DEFAULT 0,
        maxpages smallint NOT NULL DEFAULT 0, notinheritedarticle tinyint(1) NOT NULL DEFAULT 0,
        notinheritedblock tinyint(1) NOT NULL DEFAULT 0, noantitheft tinyint(1) NOT NULL DEFAULT 0,
        lastpublish int unsigned NOT NULL DEFAULT 0""",
    "portal_article_title": """
        aid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
        catid mediumint unsigned NOT NULL DEFAULT 0, bid mediumint unsigned NOT NULL DEFAULT 0,
        uid mediumint unsigned NOT NULL DEFAULT 0, username varchar(255) NOT NULL DEFAULT '',
        title varchar(255) NOT NULL DEFAULT '', highlight varchar(255) NOT NULL DEFAULT '',
        author varchar(255) NOT NULL DEFAULT '', `from` varchar(255) NOT NULL DEFAULT '',
        fromurl varchar(255) NOT NULL DEFAULT '', url varchar(255) NOT NULL DEFAULT '',
        summary varchar(255) NOT NULL DEFAULT '', pic varchar(255) NOT NULL DEFAULT '',
        thumb tinyint(1) NOT NULL DEFAULT 0, remote tinyint(1) NOT NULL DEFAULT 0,
        id int unsigned NOT NULL DEFAULT 0, idtype varchar(255) NOT NULL DEFAULT '',
        contents smallint NOT NULL DEFAULT 0, allowcomment tinyint(1) NOT NULL DEFAULT 0,
        owncomment tinyint(1) NOT NULL DEFAULT 0,
        click1 smallint unsigned NOT NULL DEFAULT 0, click2 smallint unsigned NOT NULL DEFAULT 0,
        click3 smallint unsigned NOT NULL DEFAULT 0, click4 smallint unsigned NOT NULL DEFAULT 0,
        click5 smallint unsigned NOT NULL DEFAULT 0, click6 smallint unsigned NOT NULL DEFAULT 0,
        click7 smallint unsigned NOT NULL DEFAULT 0, click8 smallint unsigned NOT NULL DEFAULT 0,
        tag tinyint unsigned NOT NULL DEFAULT 0, dateline int unsigned NOT NULL DEFAULT 0,
        status tinyint unsigned NOT NULL DEFAULT 0, showinnernav tinyint unsigned NOT NULL DEFAULT 0,
        preaid mediumint unsigned NOT NULL, nextaid mediumint unsigned NOT NULL,
        htmlmade tinyint(1) NOT NULL DEFAULT 0, htmlname varchar(255) NOT NULL DEFAULT '',
        htmldir varchar(255) NOT NULL DEFAULT '',
        KEY catid (catid, dateline)""",
    "portal_article_content": """
        cid int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, aid mediumint unsigned NOT NULL DEFAULT 0,
        id int unsigned NOT NULL DEFAULT 0, idtype varchar(255) NOT NULL DEFAULT '',
        title varchar(255) NOT NULL DEFAULT '', content text NOT NULL,
        pageorder smallint unsigned NOT NULL DEFAULT 0, dateline int unsigned NOT NULL DEFAULT 0,
        KEY aid (aid, pageorder)""",
    "portal_article_count": """
        aid mediumint unsigned NOT NULL PRIMARY KEY, catid mediumint unsigned NOT NULL DEFAULT 0,
        viewnum mediumint unsigned NOT NULL DEFAULT 0, commentnum mediumint unsigned NOT NULL DEFAULT 0,
        favtimes mediumint unsigned NOT NULL DEFAULT 0, sharetimes mediumint unsigned NOT NULL DEFAULT 0""",
    "portal_comment": """
        cid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, uid mediumint unsigned NOT NULL DEFAULT 0,
        username varchar(255) NOT NULL DEFAULT '', id mediumint unsigned NOT NULL DEFAULT 0,
        idtype varchar(20) NOT NULL DEFAULT '', postip varchar(255) NOT NULL DEFAULT '',
        port smallint unsigned NOT NULL DEFAULT 0, dateline int unsigned NOT NULL DEFAULT 0,
        status tinyint unsigned NOT NULL DEFAULT 0, message text NOT NULL,
        KEY idtype (id, idtype, dateline)""",
    "portal_attachment": """
        attachid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, uid mediumint unsigned NOT NULL DEFAULT 0,
        dateline int unsigned NOT NULL DEFAULT 0, filename varchar(255) NOT NULL DEFAULT '',
        filetype varchar(255) NOT NULL DEFAULT '', filesize int unsigned NOT NULL DEFAULT 0,
        attachment varchar(255) NOT NULL DEFAULT '', isimage tinyint(1) NOT NULL DEFAULT 0,
        thumb tinyint(1) NOT NULL DEFAULT 0, remote tinyint(1) NOT NULL DEFAULT 0,
        aid mediumint unsigned NOT NULL DEFAULT 0""",
    "home_click": """
        clickid smallint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, name char(50) NOT NULL DEFAULT '',
        icon char(100) NOT NULL DEFAULT '', idtype char(15) NOT NULL DEFAULT '',
        available tinyint unsigned NOT NULL DEFAULT 0, displayorder tinyint unsigned NOT NULL DEFAULT 0""",
    "home_clickuser": """
        uid mediumint unsigned NOT NULL DEFAULT 0, username varchar(255) NOT NULL DEFAULT '',
        id mediumint unsigned NOT NULL DEFAULT 0, idtype varchar(15) NOT NULL DEFAULT '',
        clickid smallint unsigned NOT NULL DEFAULT 0, dateline int unsigned NOT NULL DEFAULT 0""",
    "common_member": "uid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, " + _MEMBER_COLUMNS,
    # Members who have not logged in for a long time: the same row, moved out of common_member.
    "common_member_archive": "uid mediumint unsigned NOT NULL PRIMARY KEY, " + _MEMBER_COLUMNS,
    "ucenter_members": """
        uid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, username char(15) NOT NULL DEFAULT '',
        password varchar(255) NOT NULL DEFAULT '', email char(32) NOT NULL DEFAULT '',
        regdate int unsigned NOT NULL DEFAULT 0, salt varchar(20) NOT NULL DEFAULT '',
        UNIQUE KEY username (username)""",
    "common_member_crime": """
        cid mediumint unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, uid mediumint unsigned NOT NULL DEFAULT 0,
        operatorid mediumint unsigned NOT NULL DEFAULT 0, operator varchar(15) NOT NULL DEFAULT '',
        action tinyint(5) NOT NULL DEFAULT 0, reason text NOT NULL, dateline int unsigned NOT NULL DEFAULT 0""",
}


def create_tables(connection, prefix="pre_", tables=None):
    """Create the tables (all, or those named) in the connection's current database."""
    with connection.cursor() as cursor:
        for table, columns in TABLES.items():
            if tables is None or table in tables:
                cursor.execute(f"CREATE TABLE `{prefix}{table}` ({columns}) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")


def create_database(server, name, prefix="pre_", tables=None):
    """A fresh utf8mb4 database ``name`` holding the tables; ``server`` is a pymysql connection."""
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        cursor.execute(f"USE `{name}`")
    create_tables(server, prefix, tables)


def drop_database(server, name):
    with server.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")


def insert(cursor, table, rows, prefix="pre_"):
    """INSERT dicts (all with the same keys) into ``prefix + table``."""
    rows = list(rows)
    if not rows:
        return
    columns = list(rows[0])
    names = ", ".join(f"`{c}`" for c in columns)
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO `{prefix}{table}` ({names}) VALUES ({marks})",  # noqa: S608 - our own table and column names
        [tuple(row[c] for c in columns) for row in rows],
    )
