"""Error codes of operating yidi: backups, restores, the database, confirmations."""

from __future__ import annotations

from yidi.domain.error_catalogue.spec import E

TITLE = "Operations"

ENTRIES = (
    E("BACKUP_FAILED", 400, "database",
      "pg_dump 失败：{reason}",
      "pg_dump failed: {reason}"),
    E("BACKUP_INVALID", 400, "file",
      "这不是 SQLite 备份文件",
      "not a SQLite backup file"),
    E("BACKUP_NOT_FOUND", 404, "file",
      "备份文件不存在：{source}",
      "no backup file {source}"),
    E("BACKUP_UNSUPPORTED", 400, "database",
      "内存数据库无法备份",
      "an in-memory database cannot be backed up"),
    E("CONFIRM_REQUIRED", 400, "--yes",
      "{what_zh}：确认请加 --yes",
      "{what_en}: add --yes to confirm"),
    E("DATABASE_NOT_FOUND", 404, "database",
      "数据库文件不存在：{src_path}",
      "no database file {src_path}"),
    E("DATABASE_UNAVAILABLE", 503, "",
      "数据库暂时不可用，本次操作未生效，请稍后重试",
      "database temporarily unavailable; nothing was changed, retry shortly"),
    E("INTERNAL", 500, "",
      "服务器内部错误，请稍后重试",
      "internal server error"),
    E("RESTORE_FAILED", 400, "file",
      "pg_restore 失败：{reason}",
      "pg_restore failed: {reason}"),
    E("TOOL_MISSING", 400, "",
      "找不到 {name}：请安装 PostgreSQL 客户端工具",
      "{name} not found: install the PostgreSQL client tools"),
)
