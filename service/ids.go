package service

import "strconv"

func idStr(id uint64) string { return strconv.FormatUint(id, 10) }
