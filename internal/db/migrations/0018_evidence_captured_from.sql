-- What an evidence file's capture time is, as the device said: the file's
-- own time on the phone ('file_time', File.lastModified, which the camera
-- sets when it takes the photo), when it was chosen in the form
-- ('chosen'), or '' when the device said nothing. Files received before
-- were all timed when chosen.
ALTER TABLE incident_evidence ADD COLUMN captured_from TEXT NOT NULL DEFAULT '';
UPDATE incident_evidence SET captured_from = 'chosen' WHERE captured_at <> 0;
