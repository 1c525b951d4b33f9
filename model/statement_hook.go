package model

import (
	"context"
	"time"

	"gorm.io/gorm/logger"
)

// statementLogger is a gorm logger that logs nothing and hands every traced statement to f:
// gorm traces each statement it runs (after it ran), whatever the log level.
type statementLogger struct {
	f func(ctx context.Context, sql string)
}

func (l statementLogger) LogMode(logger.LogLevel) logger.Interface { return l }
func (l statementLogger) Info(context.Context, string, ...any)     {}
func (l statementLogger) Warn(context.Context, string, ...any)     {}
func (l statementLogger) Error(context.Context, string, ...any)    {}

func (l statementLogger) Trace(ctx context.Context, _ time.Time, fc func() (string, int64), _ error) {
	sql, _ := fc()
	l.f(ctx, sql)
}
