"""Reports for leaders (seed 001, 004): the daily log (舆情日志), weekly and monthly reports and
one case's report (专报), as a Word document and HTML with tables and a chart."""
