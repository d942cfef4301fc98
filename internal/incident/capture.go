package incident

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"abri/internal/access"
	"abri/internal/command"
)

// ReportedBy is the incident an offline "incident.report" command made,
// named by the command's device id: the phone sends its photos after the
// command has applied, without knowing the incident's id. A command that
// waits for review is a Conflict (the phone tries again later); one set
// aside is Invalid at "command" (the phone keeps the file and says so);
// one not received is not found.
func (s *Service) ReportedBy(ctx context.Context, actor access.Actor, commandID string) (int64, error) {
	if err := require(actor, access.ReportIncidents); err != nil {
		return 0, err
	}
	res, err := command.ResultOf(ctx, s.DB, actor, commandID, CmdReport)
	if err != nil {
		return 0, err
	}
	var r Reported
	if err := json.Unmarshal(res, &r); err != nil || r.ID <= 0 {
		return 0, fmt.Errorf("incident of command: result %s", res)
	}
	return r.ID, nil
}

// Extension is the file name ending of a media type, for a file named by
// its hash ("" when none is known).
func Extension(mediaType string) string {
	switch strings.TrimSpace(strings.SplitN(mediaType, ";", 2)[0]) {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "image/gif":
		return ".gif"
	case "image/webp":
		return ".webp"
	case "application/pdf":
		return ".pdf"
	case "video/mp4":
		return ".mp4"
	case "video/webm":
		return ".webm"
	case "audio/mpeg":
		return ".mp3"
	case "audio/wave":
		return ".wav"
	case "application/ogg":
		return ".ogg"
	case "text/plain":
		return ".txt"
	}
	return ".bin"
}
