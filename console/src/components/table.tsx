// Every list in the console is this table: a header row of column names, one row per record, the naming
// cell as a row header (screen readers read it with each cell), scrolling sideways on a narrow screen.
import type { ReactNode } from 'react';

export interface Column<Row> {
  header: string;
  cell: (row: Row) => ReactNode;
  /** The cell that names the row. */
  rowHeader?: boolean;
  className?: (row: Row) => string | undefined;
}

interface TableProps<Row> {
  rows: readonly Row[];
  /** A column left out for this viewer is `false`. */
  columns: readonly (Column<Row> | false)[];
  rowKey: (row: Row) => string;
  caption?: ReactNode;
  rowClassName?: (row: Row) => string | undefined;
}

export function Table<Row>({ rows, columns, rowKey, caption, rowClassName }: TableProps<Row>) {
  const shown = columns.filter((column): column is Column<Row> => column !== false);
  return (
    <div className="table-scroll">
      <table>
        {caption ? <caption className="muted">{caption}</caption> : null}
        <thead>
          <tr>
            {shown.map((column) => (
              <th scope="col" key={column.header}>
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={rowKey(row)} className={rowClassName?.(row)}>
              {shown.map((column) =>
                column.rowHeader ? (
                  <th scope="row" key={column.header}>
                    {column.cell(row)}
                  </th>
                ) : (
                  <td key={column.header} className={column.className?.(row)}>
                    {column.cell(row)}
                  </td>
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
