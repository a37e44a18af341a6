export declare const sagaServiceCallers: import('@notes/grpc').ServiceCallers;
