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
    E("CONFIG_POOL_SIZE", 400, "YIDI_DB_POOL_SIZE",
      "{name} 必须是 {least} 到 {most} 之间的整数（现为 {raw}）",
      "{name} must be a whole number from {least} to {most} (is {raw})"),
    E("CONFIG_POOL_TOO_SMALL", 400, "--workers",
      "PostgreSQL 的 max_connections（{max_connections}）不够 {workers} 个工作进程使用（每个至少 2 个连接，另留 {headroom} 个）："
      "请减少 --workers 或调大 max_connections",
      "PostgreSQL's max_connections ({max_connections}) is too small for {workers} workers (2 connections each at "
      "least, {headroom} kept free): lower --workers or raise max_connections"),
    E("CONFIG_WORKERS", 400, "--workers",
      "--workers 必须在 1 到 {most} 之间（现为 {workers}）",
      "--workers must be from 1 to {most} (is {workers})"),
    E("CONFIG_WORKERS_MEMORY", 400, "--workers",
      "内存数据库只存在于一个进程中：多个工作进程需要数据库文件或 PostgreSQL",
      "an in-memory database lives in one process: several workers need a file or PostgreSQL"),
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
